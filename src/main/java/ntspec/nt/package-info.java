/**
 * The public-symbol view of kernel structures: their x64 layouts ({@link ntspec.nt.StructType}, as
 * {@code dt nt!_MDL} prints them), the memory a view reads through ({@link ntspec.nt.KernelMemory}),
 * and the base of every Java view over a structure in simulated memory ({@link ntspec.nt.StructView}).
 * The bottom of the package graph: it imports nothing of the simulator.
 */
package ntspec.nt;
