/**
 * Launching page servers as local child processes ({@link org.hapager.server.process.PageServerProcess}):
 * used by the fault tests of every module and by the command line's benchmark and demo.
 */
package org.hapager.server.process;
