using System.Runtime.CompilerServices;

// Only blittable types cross the P/Invoke boundary: every bpf_attr layout is an unmanaged struct we control.
[assembly: DisableRuntimeMarshalling]
