/**
 * {@code hapager page-demo}: two page servers, a model-checked page workload through one client, the serving
 * server killed and frozen on a schedule, progress every second, and a check of every page at the end.
 */
package org.hapager.cli.demo;
