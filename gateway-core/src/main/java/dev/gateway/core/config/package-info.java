/** Immutable configuration records, the located YAML tree they are read from, and validation. */
package dev.gateway.core.config;
