/**
 * Fault points for failover tests: a page server started with the hidden option {@code --fault NAME@N} halts or
 * freezes itself at the Nth request, at one of the failure windows of the patent's FIG. 5, or ({@code fail-force@N})
 * fails the Nth group-commit force of its store, so that it fences itself. Without the option
 * the server runs with {@link org.hapager.server.fault.FaultPoints#NONE}.
 */
package org.hapager.server.fault;
