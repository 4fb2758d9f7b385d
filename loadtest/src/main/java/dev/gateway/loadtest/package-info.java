/** JMH benchmarks of the gateway's hot paths; run on demand, never in {@code mvn test}. */
package dev.gateway.loadtest;
