/** authorization: which apps may call a route. */
package dev.gateway.filters.authz;
