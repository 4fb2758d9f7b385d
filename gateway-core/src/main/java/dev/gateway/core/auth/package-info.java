/**
 * HMAC request signatures compatible with Kong's hmac-auth: credential parsing, signing strings and constant-time
 * verification. The hmac-auth filter (gateway-filters) is a thin per-route adapter over this engine.
 */
package dev.gateway.core.auth;
