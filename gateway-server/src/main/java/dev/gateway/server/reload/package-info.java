/**
 * Live reload: {@link dev.gateway.server.reload.ConfigReloader} loads, validates and compiles the whole configuration
 * and swaps it in only when all of it is valid; {@link dev.gateway.server.reload.ConfigWatcher} triggers it when a
 * loaded file changes. SIGHUP and {@code POST /admin/reload} trigger it too.
 */
package dev.gateway.server.reload;
