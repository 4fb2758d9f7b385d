package dev.gateway.core.batch;

import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import java.util.Map;

/**
 * One item of a batch as parsed: its method, path and body templates (references resolved to item indexes), its own
 * headers (those a client may not set already removed), its timeout and the items it waits for. Immutable.
 *
 * @param binaryBody the body decoded from base64 ({@code "encoding": "base64"}), else null
 * @param body the body's text template, or null (no body, or binary)
 * @param contentType the Content-Type to send when the item's headers name none, or null
 * @param dependsOn indexes of the items it waits for ({@code depends-on} and every referenced item)
 */
record BatchItem(int index, String id, HttpMethod method, Template path, List<Map.Entry<String, String>> headers,
        Template body, byte[] binaryBody, String contentType, long timeoutNanos, int[] dependsOn) {}
