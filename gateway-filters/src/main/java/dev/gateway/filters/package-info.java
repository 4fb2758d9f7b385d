/** The filters: one package each, only their factories and configs public. */
package dev.gateway.filters;
