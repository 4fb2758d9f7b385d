/** cors: refuses (strict) or passes without permission (permissive) what a route's CORS policy does not allow. */
package dev.gateway.filters.cors;
