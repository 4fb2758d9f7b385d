/**
 * The step after a route's filters, which produces the response: {@link dev.gateway.core.terminal.Terminal} and its
 * implementations (the upstream call today; a mock and a batch later). A compiled route holds one terminal.
 */
package dev.gateway.core.terminal;
