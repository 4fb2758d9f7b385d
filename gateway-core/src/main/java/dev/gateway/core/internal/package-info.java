/** Helpers that are not API: configuration compilation into the runtime objects. */
package dev.gateway.core.internal;
