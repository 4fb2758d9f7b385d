/**
 * Batch calls: a route whose terminal runs the items of one request as in-process exchanges, each through its own
 * route, with dependencies between them, and answers their responses in request order.
 */
package dev.gateway.core.batch;
