/** App (consumer) metadata and where it comes from: the embedded YAML source now, Redis later. */
package dev.gateway.core.metadata;
