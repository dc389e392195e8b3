using System.Buffers.Binary;
using Ebpf.Asm;
using Ebpf.Btf;
using Ebpf.Linking;
using Ebpf.Tests.Loader;

namespace Ebpf.Tests.Btf;

/// <summary>
/// Malformed CO-RE records (.BTF.ext core_relo words overwritten) against the running kernel's BTF file: parsing and
/// applying them either succeeds or fails with a <see cref="BpfObjectException"/>, never another exception. Reads
/// /sys/kernel/btf/vmlinux as a file; makes no kernel call.
/// </summary>
public sealed class CoreRelocationMutationTests
{
    private static readonly Lazy<BtfTypes?> s_kernel = new(() => File.Exists(KernelBtf.DefaultPath) ? KernelBtf.Load(null) : null);

    [Theory]
    [InlineData("loader_core.bpf.o")]
    [InlineData("loader_core_kernel.bpf.o")]
    [InlineData("lesson_unlinks.bpf.o")]
    public void Every_mutated_core_record_relocates_or_fails_with_a_bpf_object_exception(string objectFile)
    {
        var kernel = s_kernel.Value;
        if (kernel is null) Assert.Skip($"{KernelBtf.DefaultPath} is not present");
        byte[] original = TestObjectFiles.Bytes(objectFile);
        int ext = TestObjectFiles.SectionDataOffset(original, ".BTF.ext");
        int extSize = (int)BinaryPrimitives.ReadUInt64LittleEndian(original.AsSpan(TestObjectFiles.SectionHeaderOffset(original, ".BTF.ext") + 32));
        int relocated = 0;
        for (int word = ext; word + 4 <= ext + extSize; word += 4)
        {
            foreach (uint value in new uint[] { 0, 1, 3, 12, 13, 0xffff, 0x7fffffff, 0xffffffff })
            {
                var m = (byte[])original.Clone();
                BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(word), value);
                try
                {
                    var spec = BpfObjectSpec.FromBytes(m, objectFile);
                    if (spec.BtfTypes is null) continue;
                    var core = new CoreRelocator(spec.BtfTypes, kernel, objectFile);
                    foreach (var program in spec.Programs.Values)
                        core.Apply(program, program.Instructions.ToArray());
                    relocated++;
                }
                catch (BpfObjectException)
                {
                }
            }
        }
        Assert.True(relocated > 0, "no mutant relocated at all: the mutation loop is not exercising the relocator");
    }
}
