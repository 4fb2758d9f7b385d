import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket client in one file, with nothing but Java 17 (curl in Debian 12 has no ws:// support):
 *
 * <pre>java docs/examples/WsEcho.java ws://localhost:8080/ws/echo hello</pre>
 *
 * Opens the WebSocket, sends each argument after the URL as a text message, prints each message that comes back on
 * its own line, then closes (1000). Exits 0 when every message came back, 1 otherwise (with the reason on stderr).
 */
public class WsEcho {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: java WsEcho.java ws://HOST:PORT/PATH MESSAGE...");
            System.exit(2);
        }
        int expected = args.length - 1;
        var received = new java.util.concurrent.LinkedBlockingQueue<String>();
        var closed = new CompletableFuture<String>();
        WebSocket.Listener listener = new WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    received.add(text.toString());
                    text.setLength(0);
                }
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
                closed.complete(status + " " + reason);
                return null;
            }

            @Override
            public void onError(WebSocket ws, Throwable error) {
                closed.complete("error: " + error);
            }
        };
        WebSocket ws;
        try {
            ws = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                    .buildAsync(URI.create(args[0]), listener).get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            System.err.println("handshake failed: " + e.getCause());
            System.exit(1);
            return;
        }
        for (int i = 1; i < args.length; i++) {
            ws.sendText(args[i], true).get(10, TimeUnit.SECONDS);
        }
        for (int i = 0; i < expected; i++) {
            String message = received.poll(10, TimeUnit.SECONDS);
            if (message == null) {
                System.err.println("no answer within 10 s" + (closed.isDone() ? " (" + closed.get() + ")" : ""));
                System.exit(1);
            }
            System.out.println(message);
        }
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
        closed.completeOnTimeout("no close from the server", 10, TimeUnit.SECONDS).get();
        System.exit(0);
    }
}
