package dev.gateway.core.batch;

import dev.gateway.core.http.GatewayError;
import io.netty.handler.codec.http.HttpResponseStatus;

/** The errors of batch calls: refusals of the whole batch (before any item runs) and the codes of item entries. */
final class BatchErrors {
    private BatchErrors() {}

    // ----- the whole batch (400 or 413, before any item runs)

    static GatewayError invalid(String message) {
        return new GatewayError(HttpResponseStatus.BAD_REQUEST, "invalid_batch", message);
    }

    static final GatewayError TOO_MANY_ITEMS = new GatewayError(HttpResponseStatus.BAD_REQUEST, "too_many_items",
            "the batch holds more items than max-items");
    static final GatewayError BATCH_TOO_LARGE = new GatewayError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
            "batch_too_large", "the batch body is larger than max-body");
    static final GatewayError ITEM_TOO_LARGE = new GatewayError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
            "item_too_large", "an item's body is larger than max-item-body");

    static GatewayError duplicateId(String id) {
        return new GatewayError(HttpResponseStatus.BAD_REQUEST, "duplicate_id", "the id '" + id + "' is used twice");
    }

    static GatewayError unknownDependency(String id, String missing) {
        return new GatewayError(HttpResponseStatus.BAD_REQUEST, "unknown_dependency",
                "item '" + id + "' depends on '" + missing + "', which is not in the batch");
    }

    static GatewayError cycle(String id) {
        return new GatewayError(HttpResponseStatus.BAD_REQUEST, "dependency_cycle",
                "item '" + id + "' is on (or waits for) a dependency cycle");
    }

    // ----- entries

    static final GatewayError ADMIN_PATH = new GatewayError(HttpResponseStatus.BAD_REQUEST, "admin_path",
            "a batch item may not call the admin API");
    static final GatewayError INVALID_ITEM_PATH = new GatewayError(HttpResponseStatus.BAD_REQUEST,
            "invalid_item_path", "an item's path must be an absolute path (origin form), not a URL");
    static final GatewayError DEPENDENCY_FAILED = new GatewayError(HttpResponseStatus.FAILED_DEPENDENCY,
            "dependency_failed", "an item this one depends on failed");
    static final GatewayError REFERENCE_NOT_FOUND = new GatewayError(HttpResponseStatus.FAILED_DEPENDENCY,
            "reference_not_found", "a referenced value is not in the dependency's JSON answer");
    static final GatewayError NOT_RUN = new GatewayError(HttpResponseStatus.FAILED_DEPENDENCY, "batch_failed_fast",
            "not run: an earlier item failed and the batch asked for fail-fast");
    static final GatewayError ITEM_TIMEOUT = new GatewayError(HttpResponseStatus.GATEWAY_TIMEOUT, "item_timeout",
            "the item did not complete within its timeout");
    static final GatewayError BATCH_TIMEOUT = new GatewayError(HttpResponseStatus.GATEWAY_TIMEOUT, "batch_timeout",
            "the batch did not complete within its timeout");
    static final GatewayError ITEM_RESPONSE_TOO_LARGE = new GatewayError(HttpResponseStatus.BAD_GATEWAY,
            "item_response_too_large", "the item's response is larger than max-item-response");
    static final GatewayError ITEM_ABORTED = new GatewayError(HttpResponseStatus.BAD_GATEWAY, "item_aborted",
            "the item's response was cut short");
}
