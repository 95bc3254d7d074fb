@io
Feature: ReadFile and WriteFile on buffered and direct devices, and IOCTLs built by kernel-mode requesters

  DO_BUFFERED_IO devices get a system buffer (copied in for a write, copied back for a read);
  DO_DIRECT_IO devices get an MDL probed for the inverse access (a read from the device writes the
  caller's memory). IoBuildDeviceIoControlRequest builds the same buffers for a kernel-mode
  requester, probing in KernelMode.
  Sources: ReactOS iofunc.c NtReadFile/NtWriteFile, irp.c IoBuildDeviceIoControlRequest
  (https://github.com/reactos/reactos/blob/master/ntoskrnl/io/iomgr/iofunc.c); MS "Using Buffered I/O", "Using Direct I/O".

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x2000 of PAGE_READWRITE memory as buf
    And "app" writes "from the caller" at buf

  Scenario Outline: <api> on a <flags> device
    Given a driver "Disk.sys" with a device "\Device\Disk" using <flags>
    And "Disk.sys" handles <major> with:
      | sys = Irp->AssociatedIrp.SystemBuffer   |
      | mdl = Irp->MdlAddress                   |
      | flags = Irp->Flags                      |
      | length = IrpSp->Parameters.Read.Length  |
      | if (mdl) mdlFlags = mdl->MdlFlags       |
      | Irp->IoStatus.Information = length      |
      | Irp->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_SUCCESS                   |
    And "app" opens "\Device\Disk" as h
    And 0 is noted as mdlFlags
    When "app" calls <api>(h, buf, 0x20) as r
    Then r->ReturnValue is STATUS_SUCCESS
    And length is 0x20
    And flags is <irpFlags>
    And mdlFlags is <mdlFlags>
    And r->IoStatus.Information is 0x20

    Examples:
      | api       | major        | flags          | irpFlags                                                                                   | mdlFlags                                                  |
      | ReadFile  | IRP_MJ_READ  | DO_BUFFERED_IO | IRP_BUFFERED_IO \| IRP_DEALLOCATE_BUFFER \| IRP_INPUT_OPERATION \| IRP_READ_OPERATION \| IRP_DEFER_IO_COMPLETION | 0 |
      | WriteFile | IRP_MJ_WRITE | DO_BUFFERED_IO | IRP_BUFFERED_IO \| IRP_DEALLOCATE_BUFFER \| IRP_WRITE_OPERATION \| IRP_DEFER_IO_COMPLETION | 0 |
      | ReadFile  | IRP_MJ_READ  | DO_DIRECT_IO   | IRP_READ_OPERATION \| IRP_DEFER_IO_COMPLETION                                              | MDL_ALLOCATED_FIXED_SIZE \| MDL_PAGES_LOCKED \| MDL_WRITE_OPERATION |
      | WriteFile | IRP_MJ_WRITE | DO_DIRECT_IO   | IRP_WRITE_OPERATION \| IRP_DEFER_IO_COMPLETION                                             | MDL_ALLOCATED_FIXED_SIZE \| MDL_PAGES_LOCKED              |

  Scenario: a buffered write hands the driver a copy of the caller's data
    Given a driver "Disk.sys" with a device "\Device\Disk" using DO_BUFFERED_IO
    And "Disk.sys" handles IRP_MJ_WRITE with:
      | sys = Irp->AssociatedIrp.SystemBuffer   |
      | Irp->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_SUCCESS                   |
    And "app" opens "\Device\Disk" as h
    When "app" calls WriteFile(h, buf, 15) as r
    Then the driver reads "from the caller" at sys

  Scenario: a buffered read copies Information bytes back, in the caller's thread
    Given a driver "Disk.sys" with a device "\Device\Disk" using DO_BUFFERED_IO
    And "Disk.sys" handles IRP_MJ_READ with:
      | RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, "from the disk", 13) |
      | Irp->IoStatus.Information = 13                                      |
      | Irp->IoStatus.Status = STATUS_SUCCESS                               |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT)                             |
      | return STATUS_SUCCESS                                               |
    And "app" opens "\Device\Disk" as h
    When "app" calls ReadFile(h, buf, 0x100) as r
    Then r->IoStatus.Information is 13
    And "app" reads "from the disker" at buf

  Scenario: ReadFile on a handle without read access is refused before any IRP
    Given a driver "Disk.sys" with a device "\Device\Disk" using DO_BUFFERED_IO
    And "app" opens "\Device\Disk" for FILE_WRITE_DATA as h
    When "app" calls ReadFile(h, buf, 0x10) as r
    Then r->ReturnValue is STATUS_ACCESS_DENIED

  @ddi:IoBuildDeviceIoControlRequest
  Scenario Outline: a kernel-built <method> IOCTL: RequestorMode KernelMode, buffers as for a user request
    Given a driver "Target.sys" with a device "\Device\Target"
    And "Target.sys" handles <major> with:
      | mode = Irp->RequestorMode               |
      | sys = Irp->AssociatedIrp.SystemBuffer   |
      | mdl = Irp->MdlAddress                   |
      | userBuffer = Irp->UserBuffer            |
      | type3 = IrpSp->Parameters.DeviceIoControl.Type3InputBuffer |
      | Irp->IoStatus.Status = STATUS_SUCCESS   |
      | IoCompleteRequest(Irp, IO_NO_INCREMENT) |
      | return STATUS_SUCCESS                   |
    And a driver "Client.sys" with a device "\Device\Client"
    When "Client.sys" runs:
      | kin = ExAllocatePoolWithTag(NonPagedPoolNx, 0x40, 0x746E6C43)  |
      | kout = ExAllocatePoolWithTag(NonPagedPoolNx, 0x40, 0x746E6C43) |
      | iosb = ExAllocatePoolWithTag(NonPagedPoolNx, 0x10, 0x746E6C43) |
      | irp = IoBuildDeviceIoControlRequest(CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, <method>, FILE_ANY_ACCESS), device("\Device\Target"), kin, 0x40, kout, 0x40, <internal>, NULL, iosb) |
      | status = IoCallDriver(device("\Device\Target"), irp) |
    Then status is STATUS_SUCCESS
    And mode is KernelMode
    And <check>

    Examples:
      | method            | major                          | internal | check                         |
      | METHOD_BUFFERED   | IRP_MJ_DEVICE_CONTROL          | FALSE    | userBuffer is kout            |
      | METHOD_OUT_DIRECT | IRP_MJ_DEVICE_CONTROL          | FALSE    | MmGetMdlVirtualAddress(mdl) is kout |
      | METHOD_NEITHER    | IRP_MJ_INTERNAL_DEVICE_CONTROL | TRUE     | type3 is kin                  |
