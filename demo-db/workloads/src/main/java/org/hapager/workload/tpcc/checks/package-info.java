/** TPC-C consistency conditions 1-4 (clause 3.3.2), each returning its violations with their place. */
package org.hapager.workload.tpcc.checks;
