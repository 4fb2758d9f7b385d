/**
 * The step after a route's filters, which produces the response: {@link dev.gateway.core.terminal.Terminal} and its
 * implementations (the upstream call, a mock, and {@link dev.gateway.core.terminal.InProcess} for a batch's in-process items). A compiled route holds one terminal.
 */
package dev.gateway.core.terminal;
