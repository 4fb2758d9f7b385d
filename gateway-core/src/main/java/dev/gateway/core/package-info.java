package dev.gateway.core;
