/** hmac-auth: Kong-compatible HMAC request signatures, with constant-time checks and optional replay protection. */
package dev.gateway.filters.hmac;
