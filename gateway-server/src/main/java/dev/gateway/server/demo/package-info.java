/** The built-in demo echo upstream (off unless configured). */
package dev.gateway.server.demo;
