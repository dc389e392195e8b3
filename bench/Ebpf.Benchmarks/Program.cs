using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Ebpf.Benchmarks -- --filter '*'   (needs root: it loads BPF programs)
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
