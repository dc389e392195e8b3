using System.Buffers.Binary;
using System.Text;
using Ebpf.Btf;
using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;

namespace Ebpf.Linking;

/// <summary>
/// The object's own BTF in the kernel (BPF_BTF_LOAD): it lets the kernel check map key/value types, and gives the
/// verifier func_info (needed for global subprograms and callbacks) and line_info (source lines in verifier logs).
/// </summary>
internal static class ObjectBtf
{
    /// <summary>Loads the (fixed-up) object BTF, sanitised down to <paramref name="kernel"/>'s BTF kinds. On rejection
    /// returns null and the kernel's reason: the object still loads without BTF, as with libbpf, unless a program needs it.</summary>
    internal static SafeFd? TryLoad(BtfTypes btf, BtfFeatureSet kernel, out string? failure)
    {
        byte[] blob = BtfSanitizer.Sanitize(btf, kernel);
        long r = BpfProg.TryLoadBtf(blob, default, 0);
        if (r >= 0)
        {
            failure = null;
            return SafeFd.FromSyscall((int)r);
        }
        var log = new byte[1 << 20];
        long again = BpfProg.TryLoadBtf(blob, log, 1);
        if (again >= 0)
        {
            failure = null;
            return SafeFd.FromSyscall((int)again);
        }
        int end = Array.IndexOf(log, (byte)0);
        string text = Encoding.UTF8.GetString(log, 0, end < 0 ? log.Length : end).Trim();
        var lines = text.Split('\n');
        failure = $"BPF_BTF_LOAD failed with {Errno.Name((int)-again)}" + (text.Length == 0 ? "" : ": " + string.Join(" | ", lines.Skip(Math.Max(0, lines.Length - 3))));
        return null;
    }

    /// <summary>func_info and line_info for one linked program, in linked instruction indices; null when the object
    /// lacks a func_info record for one of the program's functions (then the program loads without BTF info).</summary>
    internal static ProgramLoader.BtfInfo? ProgramInfo(SafeFd btfFd, BtfExt ext, ProgramSpec program)
    {
        var funcs = new List<(int Insn, uint Type)>();
        var lines = new List<(int Insn, BtfLineInfo Line)>();
        foreach (var p in program.Functions)
        {
            if (!ext.FuncInfos.TryGetValue(p.Section, out var records)) return null;
            uint? type = null;
            foreach (var r in records)
                if (r.InstructionOffset / 8 == (uint)p.SourceStart && r.InstructionOffset % 8 == 0) type = r.TypeId;
            if (type is null) return null;
            funcs.Add((p.LinkedStart, type.Value));
            if (ext.LineInfos.TryGetValue(p.Section, out var lineRecords))
                foreach (var l in lineRecords)
                {
                    long insn = l.InstructionOffset / 8;
                    if (insn >= p.SourceStart && insn < p.SourceStart + p.Length)
                        lines.Add(((int)(p.LinkedStart + insn - p.SourceStart), l));
                }
        }
        funcs.Sort((a, b) => a.Insn.CompareTo(b.Insn));
        lines.Sort((a, b) => a.Insn.CompareTo(b.Insn));
        var funcBytes = new byte[funcs.Count * 8];
        for (int i = 0; i < funcs.Count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(funcBytes.AsSpan(i * 8), (uint)funcs[i].Insn);
            BinaryPrimitives.WriteUInt32LittleEndian(funcBytes.AsSpan(i * 8 + 4), funcs[i].Type);
        }
        var lineBytes = new byte[lines.Count * 16];
        for (int i = 0; i < lines.Count; i++)
        {
            var s = lineBytes.AsSpan(i * 16);
            BinaryPrimitives.WriteUInt32LittleEndian(s, (uint)lines[i].Insn);
            BinaryPrimitives.WriteUInt32LittleEndian(s[4..], lines[i].Line.FileNameOffset);
            BinaryPrimitives.WriteUInt32LittleEndian(s[8..], lines[i].Line.LineOffset);
            BinaryPrimitives.WriteUInt32LittleEndian(s[12..], lines[i].Line.LineColumn);
        }
        return new ProgramLoader.BtfInfo(btfFd, funcBytes, (uint)funcs.Count, lineBytes, (uint)lines.Count);
    }
}
