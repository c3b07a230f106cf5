/** The initial population of clause 4.3.3.1: batched, committed periodically, with progress reports. */
package org.hapager.workload.tpcc.loader;
