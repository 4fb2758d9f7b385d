/** The open-loop load generator ({@code loadtest/target/loadgen.jar}): fixed schedule, latency from intended time. */
package dev.gateway.loadtest.loadgen;
