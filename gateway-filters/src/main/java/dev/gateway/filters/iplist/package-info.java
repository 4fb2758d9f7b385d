/** {@code ip-restriction}: CIDR allow and deny lists matched against the client address, before any other filter. */
package dev.gateway.filters.iplist;
