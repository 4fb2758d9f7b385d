/**
 * What the request path reads: the compiled configuration ({@link dev.gateway.core.runtime.Snapshot}, swapped whole
 * on reload through {@link dev.gateway.core.runtime.CurrentConfig}) and the services that outlive it
 * ({@link dev.gateway.core.runtime.Services}).
 */
package dev.gateway.core.runtime;
