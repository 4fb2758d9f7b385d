package dev.gateway.filters.hmac;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HttpDatesTest {

    @Test
    void agreesWithTheJdkParserOnRandomDates() {
        Random r = new Random(3);
        for (int i = 0; i < 10_000; i++) {
            Instant t = Instant.ofEpochSecond(r.nextInt(Integer.MAX_VALUE));
            String s = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.ofInstant(t, ZoneOffset.UTC));
            assertThat(HttpDates.parse(s)).as(s).isEqualTo(t.getEpochSecond());
        }
    }

    @Test
    void parsesTheRfcExampleAndOneDigitDays() {
        assertThat(HttpDates.parse("Sun, 06 Nov 1994 08:49:37 GMT")).isEqualTo(784111777L);
        assertThat(HttpDates.parse("Sun, 6 Nov 1994 08:49:37 GMT")).isEqualTo(784111777L);
    }

    @Test
    void rejectsWhatIsNotADate() {
        for (String bad : new String[] {"yesterday", "Sun, 31 Feb 2026 10:00:00 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 XYZ", ""}) {
            assertThat(HttpDates.parse(bad)).as(bad).isEqualTo(Long.MIN_VALUE);
        }
    }
}
