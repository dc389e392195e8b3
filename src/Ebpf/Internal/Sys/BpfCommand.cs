namespace Ebpf.Internal.Sys;

/// <summary><c>enum bpf_cmd</c> from include/uapi/linux/bpf.h (the subset Ebpf.Net issues).</summary>
internal enum BpfCommand
{
    MapCreate = 0,
    MapLookupElem = 1,
    MapUpdateElem = 2,
    MapDeleteElem = 3,
    MapGetNextKey = 4,
    ProgLoad = 5,
    ObjPin = 6,
    ObjGet = 7,
    ProgAttach = 8,
    ProgDetach = 9,
    ProgTestRun = 10,
    ProgGetFdById = 13,
    ObjGetInfoByFd = 15,
    ProgQuery = 16,
    RawTracepointOpen = 17,
    BtfLoad = 18,
    BtfGetFdById = 19,
    MapFreeze = 22,
    BtfGetNextId = 23,
    LinkCreate = 28,
    LinkUpdate = 29,
    LinkGetFdById = 30,
    EnableStats = 32,
    IterCreate = 33,
    LinkDetach = 34,
}
