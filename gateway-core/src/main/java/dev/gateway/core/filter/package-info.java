/** The filter SPI: per-route filters run in a fixed order before the request is forwarded. */
package dev.gateway.core.filter;
