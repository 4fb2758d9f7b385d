package dev.gateway.loadtest.loadgen;

/** A bad command line: the message says what and the generator exits with status 2. */
final class UsageException extends Exception {
    UsageException(String message) {
        super(message);
    }
}
