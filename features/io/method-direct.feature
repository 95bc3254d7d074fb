@io @ddi:MmProbeAndLockPages
Feature: METHOD_IN_DIRECT and METHOD_OUT_DIRECT: input buffered, output described by a locked MDL

  The input is copied into a system buffer; the output buffer is described by an MDL that the
  I/O manager builds with IoAllocateMdl and locks with MmProbeAndLockPages for read access
  (IN_DIRECT: data to the device) or write access (OUT_DIRECT: data from the device). No MDL for a
  zero-length output. A probe failure returns the exception code and sends no IRP.
  Sources: MS "Buffer Descriptions for I/O Control Codes"; ReactOS IopDeviceFsIoControl
  (https://github.com/reactos/reactos/blob/master/ntoskrnl/io/iomgr/iofunc.c).

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as in
    And "app" allocates 0x3000 of PAGE_READWRITE memory as out
    And "app" allocates 0x1000 of PAGE_READONLY memory as ro
    And "app" writes "question" at in
    And a driver "Dev.sys" with a device "\Device\Dev"
    And "Dev.sys" handles IRP_MJ_DEVICE_CONTROL with:
      | calls = 1                                                     |
      | mdl = Irp->MdlAddress                                         |
      | sys = Irp->AssociatedIrp.SystemBuffer                         |
      | flags = Irp->Flags                                            |
      | userBuffer = Irp->UserBuffer                                  |
      | if (mdl) mdlFlags = mdl->MdlFlags                             |
      | if (mdl) mdlVa = MmGetMdlVirtualAddress(mdl)                  |
      | if (mdl) mdlBytes = MmGetMdlByteCount(mdl)                    |
      | if (mdl) lockedPages = app->NumberOfLockedPages               |
      | if (sys) firstInputByte = db(sys)                             |
      | Irp->IoStatus.Status = STATUS_SUCCESS                         |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT)                       |
      | return STATUS_SUCCESS                                         |
    And "app" opens "\Device\Dev" as h
    And 0 is noted as calls

  Scenario Outline: <method> locks the output for <access> and copies the input
    When "app" calls DeviceIoControl(h, CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, <method>, FILE_ANY_ACCESS), in, 8, out + 0x10, 0x2000) as r
    Then r->ReturnValue is STATUS_SUCCESS
    And calls is 1
    And mdlFlags has MDL_PAGES_LOCKED
    And mdlFlags <write> MDL_WRITE_OPERATION
    And mdlVa is out + 0x10
    And mdlBytes is 0x2000
    And lockedPages is 3
    And flags is IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER
    And userBuffer is NULL
    And firstInputByte is 0x71
    And app->NumberOfLockedPages is 0

    Examples:
      | method            | access | write |
      | METHOD_IN_DIRECT  | read   | lacks |
      | METHOD_OUT_DIRECT | write  | has   |

  Scenario: a zero-length output gets no MDL
    When "app" calls DeviceIoControl(h, CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_OUT_DIRECT, FILE_ANY_ACCESS), in, 8, out, 0) as r
    Then r->ReturnValue is STATUS_SUCCESS
    And mdl is NULL

  Scenario: no input gets no system buffer and no buffered flags
    When "app" calls DeviceIoControl(h, CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_OUT_DIRECT, FILE_ANY_ACCESS), NULL, 0, out, 0x100) as r
    Then r->ReturnValue is STATUS_SUCCESS
    And sys is NULL
    And flags is 0

  Scenario Outline: a read-only output buffer: <method> <outcome>
    When "app" calls DeviceIoControl(h, CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, <method>, FILE_ANY_ACCESS), in, 8, ro, 0x100) as r
    Then r->ReturnValue is <status>
    And calls is <calls>
    And app->NumberOfLockedPages is 0

    Examples:
      | method            | outcome                                          | status                  | calls |
      | METHOD_IN_DIRECT  | locks it for read                                | STATUS_SUCCESS          | 1     |
      | METHOD_OUT_DIRECT | fails the write probe and sends no IRP           | STATUS_ACCESS_VIOLATION | 0     |

  Scenario: an output buffer in kernel space fails the UserMode probe
    When "app" calls DeviceIoControl(h, CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_OUT_DIRECT, FILE_ANY_ACCESS), in, 8, 0xFFFFF80000000000, 0x100) as r
    Then r->ReturnValue is STATUS_ACCESS_VIOLATION
    And calls is 0

  Scenario: a NULL output with a length fails in the probe (ReactOS keys on the length)
    When "app" calls DeviceIoControl(h, CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_OUT_DIRECT, FILE_ANY_ACCESS), in, 8, NULL, 0x100) as r
    Then r->ReturnValue is STATUS_ACCESS_VIOLATION
    And calls is 0
