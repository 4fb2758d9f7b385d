package dev.gateway.core.redis;

import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Failures as one line for logs and readiness: the messages of an exception and its causes, passwords masked. */
final class Failures {
    private static final int MAX = 500;

    private Failures() {}

    /** @param secrets strings that must not appear (the configured passwords); each becomes {@code ***} */
    static String describe(List<String> secrets, Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        StringBuilder b = new StringBuilder();
        for (Throwable x = t; x != null && b.length() < MAX; x = x.getCause() == x ? null : x.getCause()) {
            String m = x.getMessage() == null || x.getMessage().isBlank() ? x.getClass().getSimpleName()
                    : x.getMessage();
            if (b.indexOf(m) >= 0) {
                continue; // wrappers repeat their cause's message
            }
            if (b.length() > 0) {
                b.append(": ");
            }
            b.append(m);
        }
        String out = b.toString();
        for (String s : secrets) {
            out = out.replace(s, "***");
        }
        return out;
    }
}
