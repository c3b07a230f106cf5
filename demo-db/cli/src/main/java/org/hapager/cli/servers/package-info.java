/**
 * Page servers as child processes of the command line: {@link org.hapager.cli.servers.LocalPageServers}, a
 * pair over one data directory, each restartable on its own port.
 */
package org.hapager.cli.servers;
