package dev.gateway.core.auth;

import java.util.List;
import java.util.function.Function;

/**
 * Builds the string a client signed, from the names in the credentials' {@code headers} parameter, in the client's
 * order: {@code request-line} is {@code METHOD RAW_PATH[?RAW_QUERY] HTTP/x.y} (the target exactly as received, the
 * version the client used); {@code @request-target} is {@code @request-target: <lower-case method> <raw target>};
 * any other name is {@code <name>: <value>} (an absent header gives {@code <name>:}). Lines are joined with
 * {@code \n}, with no trailing newline.
 */
public final class SigningString {
    private SigningString() {}

    /**
     * @param method the request method as sent (e.g. {@code GET})
     * @param rawTarget the request target exactly as received (path and query, still encoded)
     * @param version the protocol version as sent (e.g. {@code HTTP/1.1})
     * @param header looks up a header value by lower-case name (first value), or null
     */
    public static String build(List<String> names, String method, String rawTarget, String version,
            Function<String, String> header) {
        StringBuilder sb = new StringBuilder(128);
        for (int i = 0; i < names.size(); i++) {
            if (i > 0) {
                sb.append('\n');
            }
            String name = names.get(i);
            if (name.equals("request-line")) {
                sb.append(method).append(' ').append(rawTarget).append(' ').append(version);
            } else if (name.equals("@request-target")) {
                sb.append("@request-target: ").append(method.toLowerCase(java.util.Locale.ROOT)).append(' ')
                        .append(rawTarget);
            } else {
                String value = header.apply(name);
                sb.append(name).append(':');
                if (value != null) {
                    sb.append(' ').append(value);
                }
            }
        }
        return sb.toString();
    }
}
