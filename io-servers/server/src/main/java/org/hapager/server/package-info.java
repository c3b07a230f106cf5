/**
 * The page server process: {@link org.hapager.server.PageServerMain} parses the command line and handles
 * signals; {@link org.hapager.server.PageServer} wires the store ({@code server.store}), the sessions
 * ({@code server.session}) and the metrics ({@code server.metrics}) together and stops them in order.
 */
package org.hapager.server;
