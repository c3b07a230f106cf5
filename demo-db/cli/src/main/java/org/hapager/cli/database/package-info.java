/**
 * The databases the command line runs workloads on: Derby's settings and hapager clusters
 * ({@link org.hapager.cli.database.DerbySetup}).
 */
package org.hapager.cli.database;
