/** What the workloads' schemas share: {@link org.hapager.workload.schema.TableSet}. */
package org.hapager.workload.schema;
