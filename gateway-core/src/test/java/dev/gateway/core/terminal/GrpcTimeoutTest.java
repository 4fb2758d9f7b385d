package dev.gateway.core.terminal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GrpcTimeoutTest {
    @Test
    void readsEveryUnit() {
        assertThat(GrpcTimeout.nanos("2H")).isEqualTo(TimeUnit.HOURS.toNanos(2));
        assertThat(GrpcTimeout.nanos("3M")).isEqualTo(TimeUnit.MINUTES.toNanos(3));
        assertThat(GrpcTimeout.nanos("10S")).isEqualTo(TimeUnit.SECONDS.toNanos(10));
        assertThat(GrpcTimeout.nanos("250m")).isEqualTo(TimeUnit.MILLISECONDS.toNanos(250));
        assertThat(GrpcTimeout.nanos("99999999u")).isEqualTo(TimeUnit.MICROSECONDS.toNanos(99_999_999));
        assertThat(GrpcTimeout.nanos("1n")).isEqualTo(1);
        assertThat(GrpcTimeout.nanos("0m")).isZero();
    }

    @Test
    void rejectsWhatTheProtocolDoesNotAllow() {
        assertThat(GrpcTimeout.nanos(null)).isEqualTo(-1);
        assertThat(GrpcTimeout.nanos("")).isEqualTo(-1);
        assertThat(GrpcTimeout.nanos("S")).isEqualTo(-1);
        assertThat(GrpcTimeout.nanos("123456789S")).as("over 8 digits").isEqualTo(-1);
        assertThat(GrpcTimeout.nanos("10s")).as("unknown unit").isEqualTo(-1);
        assertThat(GrpcTimeout.nanos("-1S")).isEqualTo(-1);
        assertThat(GrpcTimeout.nanos("1 S")).isEqualTo(-1);
    }
}
