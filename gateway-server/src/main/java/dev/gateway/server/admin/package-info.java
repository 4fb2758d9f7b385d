/** The admin listener: health endpoints. */
package dev.gateway.server.admin;
