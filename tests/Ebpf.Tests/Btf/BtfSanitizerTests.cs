using System.Buffers.Binary;
using Ebpf.Btf;
using Ebpf.Tests.Loader;

namespace Ebpf.Tests.Btf;

/// <summary>The rewriting rules of <see cref="BtfSanitizer"/>, on a committed object's BTF and on a hand-built blob with
/// the kinds clang 14 does not emit (FLOAT, TYPE_TAG, ENUM64).</summary>
public sealed class BtfSanitizerTests
{
    /// <summary>The object's BTF as the loader hands it to the kernel: DATASEC offsets and sizes already filled in.</summary>
    private static BtfTypes ObjectBtf(string file) => BpfObjectSpec.FromFile(TestObjectFiles.Path(file)).BtfTypes!;

    private static BtfTypes Reparse(byte[] blob) => BtfTypes.Parse(blob, "sanitised", ".BTF");

    [Fact]
    public void A_kernel_with_every_kind_gets_the_blob_unchanged()
    {
        var btf = ObjectBtf("loader_basic.bpf.o");
        Assert.Same(btf.Raw, BtfSanitizer.Sanitize(btf, BtfFeatureSet.All));
    }

    [Fact]
    public void Without_datasec_vars_become_bytes_and_sections_become_structs_named_like_c()
    {
        var btf = ObjectBtf("loader_basic.bpf.o");
        var after = Reparse(BtfSanitizer.Sanitize(btf, BtfFeatureSet.All & ~BtfFeatureSet.DataSection));
        Assert.Equal(btf.Count, after.Count); // ids are unchanged
        Assert.DoesNotContain(after.All, t => t.Kind is BtfKind.Variable or BtfKind.DataSection);
        var rodata = btf.FindDataSection(".rodata")!;
        var asStruct = after[rodata.Id];
        Assert.Equal(BtfKind.Struct, asStruct.Kind);
        Assert.Equal("_rodata", asStruct.Name);
        Assert.Equal(rodata.SizeOrType, asStruct.SizeOrType);
        Assert.Equal(["increment", "target_pid"], asStruct.Members.Select(m => m.Name));
        Assert.Equal([0u, 64u], asStruct.Members.Select(m => m.Offset)); // bit offsets
        var variable = after[rodata.Members[0].Type];
        Assert.Equal(BtfKind.Int, variable.Kind);
        Assert.Equal(1u, variable.SizeOrType);
        Assert.Equal(btf.Raw.Length, after.Raw.Length);
        Assert.Equal(".rodata", btf.FindDataSection(".rodata")!.Name); // the original is untouched
    }

    [Fact]
    public void Without_func_functions_become_typedefs_and_prototypes_enums()
    {
        var btf = ObjectBtf("loader_basic.bpf.o");
        var after = Reparse(BtfSanitizer.Sanitize(btf, BtfFeatureSet.All & ~BtfFeatureSet.Func));
        foreach (var t in btf.All.Where(t => t.Kind == BtfKind.Function)) Assert.Equal(BtfKind.Typedef, after[t.Id].Kind);
        foreach (var t in btf.All.Where(t => t.Kind == BtfKind.FunctionProto))
        {
            Assert.Equal(BtfKind.Enum, after[t.Id].Kind);
            Assert.Equal(4u, after[t.Id].SizeOrType);
        }
    }

    [Fact]
    public void Without_global_functions_linkage_becomes_static_and_nothing_else_changes()
    {
        var btf = ObjectBtf("loader_basic.bpf.o");
        Assert.Contains(btf.All, t => t.Kind == BtfKind.Function && t.VLen == 1);
        byte[] blob = BtfSanitizer.Sanitize(btf, BtfFeatureSet.All & ~BtfFeatureSet.FuncGlobal);
        var after = Reparse(blob);
        Assert.DoesNotContain(after.All, t => t.Kind == BtfKind.Function && t.VLen != 0);
        int changed = 0;
        for (int i = 0; i < blob.Length; i++) if (blob[i] != btf.Raw[i]) changed++;
        Assert.Equal(btf.All.Count(t => t.Kind == BtfKind.Function && t.VLen == 1), changed); // one vlen byte each
    }

    /// <summary>[1] FLOAT "float" 4; [2] INT "int" 4; [3] TYPE_TAG "user" → 2; [4] PTR → 3; [5] ENUM64 "big" { A = 2^40, B = -1 }.</summary>
    private static byte[] Synthetic()
    {
        byte[] strings = "\0float\0int\0user\0big\0A\0B\0"u8.ToArray();
        uint[] types =
        [
            1, 16u << 24, 4,
            7, 1u << 24, 4, (1u << 24) | 32,
            11, 18u << 24, 2,
            0, 2u << 24, 3,
            16, (19u << 24) | (1u << 31) | 2, 8, 20, 0, 1u << 8, 22, uint.MaxValue, uint.MaxValue,
        ];
        var blob = new byte[24 + types.Length * 4 + strings.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(blob, BtfTypes.Magic);
        blob[2] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(4), 24);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(12), (uint)types.Length * 4);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(16), (uint)types.Length * 4);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(20), (uint)strings.Length);
        for (int i = 0; i < types.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(24 + i * 4), types[i]);
        strings.CopyTo(blob.AsSpan(24 + types.Length * 4));
        return blob;
    }

    [Fact]
    public void Float_type_tag_and_enum64_become_older_kinds_with_a_placeholder_int_appended()
    {
        var btf = BtfTypes.Parse(Synthetic(), "synthetic", ".BTF");
        Assert.Equal(BtfKind.Enum64, btf[5].Kind);
        var after = Reparse(BtfSanitizer.Sanitize(btf, BtfFeatureSet.Func | BtfFeatureSet.FuncGlobal | BtfFeatureSet.DataSection | BtfFeatureSet.DeclTag));
        Assert.Equal((BtfKind.Struct, "", 4u, 0), (after[1].Kind, after[1].Name, after[1].SizeOrType, after[1].VLen));
        Assert.Equal((BtfKind.Const, "", 2u), (after[3].Kind, after[3].Name, after[3].SizeOrType));
        Assert.Equal((BtfKind.Pointer, 3u), (after[4].Kind, after[4].SizeOrType));
        Assert.Equal(btf.Count + 1, after.Count);
        var placeholder = after[(uint)btf.Count];
        Assert.Equal((BtfKind.Int, "enum64_placeholder", 1u), (placeholder.Kind, placeholder.Name, placeholder.SizeOrType));
        var union = after[5];
        Assert.Equal((BtfKind.Union, "big", 8u), (union.Kind, union.Name, union.SizeOrType));
        Assert.Equal(["A", "B"], union.Members.Select(m => m.Name));
        Assert.All(union.Members, m => Assert.Equal((placeholder.Id, 0u), (m.Type, m.Offset)));
        Assert.Equal("float", after.StringAt(1)); // the other strings kept their offsets
    }
}
