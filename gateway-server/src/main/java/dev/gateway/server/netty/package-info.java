/** The proxy listener: channel pipeline and the per-connection handler where every request enters and leaves. */
package dev.gateway.server.netty;
