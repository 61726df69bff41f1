(define (problem blocksworld-p11)
  (:domain blocksworld)
  (:objects b1 b2 b3 b4 - block)
  (:init
    (arm-empty)
    (on-table b4)
    (on b1 b4)
    (on b2 b1)
    (on b3 b2)
    (clear b3))
  (:goal
    (and
      (on b4 b1)
      (on b2 b3))))
