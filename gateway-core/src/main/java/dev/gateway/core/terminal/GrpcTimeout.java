package dev.gateway.core.terminal;

import java.util.concurrent.TimeUnit;

/**
 * The {@code grpc-timeout} request header of the gRPC HTTP/2 protocol: up to 8 digits and a unit ({@code H}, {@code M},
 * {@code S}, {@code m}, {@code u}, {@code n}). A gRPC call through the gateway is given up at the earlier of the
 * route's timeout and this deadline.
 */
final class GrpcTimeout {
    private GrpcTimeout() {}

    /** The timeout in nanoseconds, or -1 when {@code value} is absent or not a valid {@code grpc-timeout}. */
    static long nanos(CharSequence value) {
        if (value == null) {
            return -1;
        }
        int n = value.length();
        if (n < 2 || n > 9) {
            return -1;
        }
        long amount = 0;
        for (int i = 0; i < n - 1; i++) {
            int d = value.charAt(i) - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            amount = amount * 10 + d;
        }
        TimeUnit unit;
        switch (value.charAt(n - 1)) {
            case 'H' -> unit = TimeUnit.HOURS;
            case 'M' -> unit = TimeUnit.MINUTES;
            case 'S' -> unit = TimeUnit.SECONDS;
            case 'm' -> unit = TimeUnit.MILLISECONDS;
            case 'u' -> unit = TimeUnit.MICROSECONDS;
            case 'n' -> unit = TimeUnit.NANOSECONDS;
            default -> {
                return -1;
            }
        }
        return unit.toNanos(amount);
    }
}
