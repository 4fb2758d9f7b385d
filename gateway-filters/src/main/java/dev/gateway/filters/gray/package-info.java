/** {@code gray}: canary routing by request attributes, app tags or a sticky share of keys. */
package dev.gateway.filters.gray;
