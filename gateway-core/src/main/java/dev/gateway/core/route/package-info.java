/** Request path normalisation and the immutable route table (host, path, method matching). */
package dev.gateway.core.route;
