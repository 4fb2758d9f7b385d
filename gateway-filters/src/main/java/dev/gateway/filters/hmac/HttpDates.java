package dev.gateway.filters.hmac;

import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * HTTP dates ({@code Sun, 06 Nov 1994 08:49:37 GMT}, RFC 9110 IMF-fixdate) to epoch seconds. The fixed layout is
 * read directly (the per-request path); anything else goes through {@link DateTimeFormatter#RFC_1123_DATE_TIME}.
 */
final class HttpDates {
    private HttpDates() {}

    private static final String MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec";

    /** Epoch seconds, or {@link Long#MIN_VALUE} if {@code s} is not an HTTP date. */
    static long parse(String s) {
        if (s.length() == 29 && s.charAt(3) == ',' && s.charAt(4) == ' ' && s.charAt(7) == ' '
                && s.charAt(11) == ' ' && s.charAt(16) == ' ' && s.charAt(19) == ':' && s.charAt(22) == ':'
                && s.endsWith(" GMT")) {
            int day = num(s, 5, 7);
            int month = MONTHS.indexOf(s.substring(8, 11));
            int year = num(s, 12, 16);
            int hour = num(s, 17, 19);
            int minute = num(s, 20, 22);
            int second = num(s, 23, 25);
            if (day >= 1 && month >= 0 && month % 3 == 0 && year >= 0 && hour <= 23 && minute <= 59
                    && second <= 60 && hour >= 0 && minute >= 0 && second >= 0) {
                try {
                    long days = LocalDate.of(year, month / 3 + 1, day).toEpochDay();
                    return days * 86_400 + hour * 3_600L + minute * 60L + second;
                } catch (java.time.DateTimeException e) {
                    return Long.MIN_VALUE; // e.g. 31 Feb
                }
            }
        }
        try {
            return ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond();
        } catch (DateTimeParseException e) {
            return Long.MIN_VALUE;
        }
    }

    private static int num(String s, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
