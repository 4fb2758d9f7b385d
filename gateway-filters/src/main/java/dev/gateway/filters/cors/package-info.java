/** cors: answers preflights before authentication and adds CORS headers to responses for allowed origins. */
package dev.gateway.filters.cors;
