/** The nine TPC-C tables (clause 1.3): DDL that runs on Apache Derby, create and drop. */
package org.hapager.workload.tpcc.schema;
