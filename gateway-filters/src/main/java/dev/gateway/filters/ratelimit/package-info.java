/** rate-limit: applies the configuration's limits: entries to the routes they select. */
package dev.gateway.filters.ratelimit;
