/**
 * App (consumer) metadata and where it comes from: the apps of the YAML files ({@code source: file}), or Redis
 * through a Bloom filter and a Caffeine cache, with changes published to every node ({@code source: redis}).
 */
package dev.gateway.core.metadata;
